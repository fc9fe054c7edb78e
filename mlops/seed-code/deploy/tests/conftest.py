"""The deploy seed code's tests import `deploy` from the seed directory."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
