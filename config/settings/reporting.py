"""Manager reports: privacy threshold and how long exports stay downloadable."""

import os

# Counts of 1 to this minus one people in a breakdown by ethnic group are hidden for
# readers who may not see individuals, and in every export.
REPORTS_SMALL_CELL_THRESHOLD = int(os.environ.get("REPORTS_SMALL_CELL_THRESHOLD", 5))
# An export's file is deleted, and its link stops working, this many hours after it
# was built (the audit log keeps the record).
REPORTS_EXPORT_TTL_HOURS = int(os.environ.get("REPORTS_EXPORT_TTL_HOURS", 24))
