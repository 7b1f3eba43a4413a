"""`python -m numerics` is the `rnn-timescales` command."""

from numerics.cli import main

raise SystemExit(main())
