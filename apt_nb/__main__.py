"""`python -m apt_nb ...` is the `apt-nb` command (handy under `accelerate launch -m apt_nb` and `torchrun -m apt_nb`)."""
from apt_nb.cli import main

raise SystemExit(main())
