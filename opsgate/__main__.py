import sys

from opsgate.cli import main

sys.exit(main())
