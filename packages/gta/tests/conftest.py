"""Import the package (and mmaction2 under it) at collection, so its start-up cost is not
charged to the first test's duration."""
import gta  # noqa: F401
