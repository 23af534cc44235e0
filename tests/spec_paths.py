"""Where the tests find the spec, the seed and Sinch's fixtures."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "conversation.yaml"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "000_7957b0053fef041c.txt"
FIXTURES = SHARED / "sinch-fixtures"
