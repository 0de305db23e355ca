"""What a run says it did, in lines for the command's output: counts per kind and, for a dry
run, the references of the cases it would anonymise. No names, addresses or free text."""

from portal.core import retention
from portal.retention.apply import RunReport

# A dry run lists at most this many references, so a first run over years of cases stays readable.
REFERENCES_SHOWN = 200


def verb(kind: str, dry_run: bool) -> str:
    done = "anonymised" if kind in retention.ANONYMISED else "deleted"
    return f"would be {done}" if dry_run else done


def lines_for(report: RunReport) -> list[str]:
    if not report.total:
        return ["Nothing had reached the end of its retention period, so nothing was changed."]
    heading = "Dry run: nothing was changed. This is what a real run would do." if report.dry_run else "Done."
    lines = [heading]
    lines += [
        f"  {retention.LABELS[kind]}: {count} {verb(kind, report.dry_run)}" for kind, count in report.counts.items()
    ]
    if report.references:
        shown = report.references[:REFERENCES_SHOWN]
        lines.append("Cases that would be anonymised: " + ", ".join(shown))
        if len(report.references) > len(shown):
            lines.append(f"  and {len(report.references) - len(shown)} more.")
    return lines
