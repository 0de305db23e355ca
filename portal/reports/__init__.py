"""What the council publishes about its performance: the annual complaints report at
/reports/complaints and the termly updates at /updates, with their figures and PDF.

The reports read every other area (You Said, We Did included); nothing reads them."""
