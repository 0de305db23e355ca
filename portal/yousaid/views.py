"""The public You Said, We Did pages at /you-said-we-did: no sign-in needed.

Only what managers wrote for the public and numbers computed from the data are shown here:
never what a family wrote, who they are, or which case is which.
"""

from feedgen.feed import FeedGenerator
from flask import Blueprint, abort, current_app, jsonify, render_template

from portal.core.exports import csv_response
from portal.core.links import public_url
from portal.core.page_cache import public_page
from portal.core.time import utcnow
from portal.yousaid import entries
from portal.yousaid.entries import consultation_url
from portal.yousaid.evidence import NONE, evidence_for, evidence_of, evidence_sentence
from portal.yousaid.models import YouSaidEntry

bp = Blueprint("yousaid", __name__)

DESCRIPTION = (
    "You Said, We Did: what families of children with additional needs told the council, and what "
    "the council is doing about it. Each entry gives the term, the theme, what families said with the "
    "number of complaints, compliments, suggestions and consultation answers about that theme in that "
    "term, and the action taken: who owns it, its status and dates. Only published entries are included, "
    "and no personal data."
)


@bp.app_template_global()
def you_said_entries_citing(consultation) -> list[YouSaidEntry]:
    """For the consultation page: the published entries that give it as evidence. Offered to
    every template from here, so that the consultations package needs nothing from this one."""
    return entries.published_entries_citing(consultation.id)


def _entry_or_404(entry_id: int) -> YouSaidEntry:
    entry = entries.published_entry_or_none(entry_id)
    if entry is None:  # a draft does not exist as far as the public is concerned
        abort(404)
    return entry


@bp.route("/you-said-we-did")
@public_page
def index():
    rows = entries.published_entries()
    return render_template(
        "yousaid/index.html",
        groups=entries.group_by_term(rows),
        evidence=evidence_of(rows),
        term_label=entries.term_label,
    )


@bp.route("/you-said-we-did/<int:entry_id>")
@public_page
def entry(entry_id: int):
    entry = _entry_or_404(entry_id)
    return render_template(
        "yousaid/entry.html",
        entry=entry,
        evidence=evidence_for([(entry.theme_id, entry.term)]).get((entry.theme_id, entry.term), NONE),
        linked_cases=entries.linked_case_counts([entry.id]).get(entry.id, 0),
        consultations=[(c, consultation_url(c)) for c in entries.public_consultations(entry)],
        term_label=entries.term_label,
    )


# --- the feed and open data ------------------------------------------------------------------


def _newest_first(rows: list[YouSaidEntry]) -> list[YouSaidEntry]:
    return sorted(rows, key=lambda entry: (entry.published_at, entry.id), reverse=True)


def _last_change(entry: YouSaidEntry):
    return max(entry.updated_at, entry.published_at)


@bp.route("/you-said-we-did/feed.atom")
@public_page
def feed():
    rows = _newest_first(entries.published_entries())
    evidence = evidence_of(rows)
    feed = FeedGenerator()
    feed.id(public_url("yousaid.index"))
    feed.title(f"You Said, We Did \u2013 {current_app.config['SERVICE_NAME']}")
    feed.subtitle(DESCRIPTION)
    feed.author({"name": current_app.config["COUNCIL_NAME"]})
    feed.language("en-GB")
    feed.link(href=public_url("yousaid.index"), rel="alternate")
    feed.link(href=public_url("yousaid.feed"), rel="self")
    feed.updated(max((_last_change(entry) for entry in rows), default=utcnow()))
    for entry in rows:
        item = feed.add_entry(order="append")
        link = entries.public_url(entry)
        item.id(link)
        item.link(href=link, rel="alternate")
        item.title(entry.title)
        item.published(entry.published_at)
        item.updated(_last_change(entry))
        item.category(term=entry.theme.name)
        counts = evidence[entry.id]
        item.content(
            "\n\n".join(
                [
                    f"{entries.term_label(entry.term)}. Theme: {entry.theme.name}.",
                    f"You said: {entry.you_said}",
                    evidence_sentence(counts),
                    f"We did: {entry.we_did}",
                    f"Owner: {entry.action_owner}. Status: {entry.status_label}.",
                ]
            ),
            type="text",
        )
    return _open(current_app.response_class(feed.atom_str(pretty=True), mimetype="application/atom+xml"))


def _open_rows():
    """Each published entry as plain data, newest first: a fixed number of queries."""
    rows = _newest_first(entries.published_entries(with_consultations=True))
    evidence = evidence_of(rows)
    linked = entries.linked_case_counts([entry.id for entry in rows])
    for entry in rows:
        yield {
            "id": entry.id,
            "url": entries.public_url(entry),
            "term": entry.term,
            "term_label": entries.term_label(entry.term),
            "theme": entry.theme.name,
            "title": entry.title,
            "you_said": entry.you_said,
            "we_did": entry.we_did,
            "action_owner": entry.action_owner,
            "action_status": entry.action_status,
            "action_starts_on": entry.action_starts_on.isoformat() if entry.action_starts_on else None,
            "action_due_on": entry.action_due_on.isoformat() if entry.action_due_on else None,
            "action_done_on": entry.action_done_on.isoformat() if entry.action_done_on else None,
            "published_at": entry.published_at.isoformat(timespec="seconds"),
            "updated_at": _last_change(entry).isoformat(timespec="seconds"),
            "evidence": evidence[entry.id].as_dict() | {"linked_cases": linked.get(entry.id, 0)},
            "consultations": [
                {"title": c.title, "url": consultation_url(c, external=True)}
                for c in entries.public_consultations(entry)
            ],
        }


CSV_HEADER = [
    "id",
    "url",
    "term",
    "term_label",
    "theme",
    "title",
    "you_said",
    "we_did",
    "action_owner",
    "action_status",
    "action_starts_on",
    "action_due_on",
    "action_done_on",
    "published_at",
    "updated_at",
    "complaints",
    "compliments",
    "suggestions",
    "consultation_answers",
    "linked_cases",
    "consultation_titles",
    "consultation_urls",
]


@bp.route("/you-said-we-did.csv")
@public_page
def open_data_csv():
    rows = []
    for row in _open_rows():
        counts = row["evidence"]
        rows.append(
            [row[name] for name in CSV_HEADER[:15]]
            + [
                counts[name]
                for name in ("complaints", "compliments", "suggestions", "consultation_answers", "linked_cases")
            ]
            + ["; ".join(c["title"] for c in row["consultations"]), " ".join(c["url"] for c in row["consultations"])]
        )
    return _open(csv_response("you-said-we-did.csv", CSV_HEADER, rows))


def _open(response):
    """Open data: any site may read it (it holds nothing personal, and no cookie is sent)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/you-said-we-did.json")
@public_page
def open_data_json():
    rows = list(_open_rows())
    return _open(
        jsonify(
            {
                "description": DESCRIPTION,
                "publisher": current_app.config["COUNCIL_NAME"],
                "generated_at": utcnow().isoformat(timespec="seconds"),
                "count": len(rows),
                "entries": rows,
            }
        )
    )
