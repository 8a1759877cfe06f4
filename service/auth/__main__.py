import sys

from service.auth.cli import main

sys.exit(main())
