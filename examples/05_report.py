"""Write the HTML and Markdown report of a run folder (run 04_evaluate.py first).

Run: python examples/05_report.py [RUN_DIR]
"""

import sys

from memtwin.report import write_report

html, markdown = write_report(sys.argv[1] if len(sys.argv) > 1 else "runs/example-04")
print("open", html)
print("summary", markdown)
