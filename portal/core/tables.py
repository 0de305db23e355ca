"""The stacked table (templates/partials/_tables.html says what it is for and how it looks),
drawn in Python: a caseworker's list of 25 cases has 150 cells, and a Jinja macro spends more
on each cell than on the rest of the page. It takes govukTable's parameters, as the macro did.
"""

from collections.abc import Mapping

from markupsafe import Markup, escape


def attributes(params: Mapping | None) -> Markup:
    """HTML attributes as govuk-frontend's govukAttributes macro draws them: ``name="value"``,
    or for an optional one ({"value": ..., "optional": True}) nothing when it is empty and the
    bare name when it is true."""
    drawn = []
    for name, given in (params or {}).items():
        value, optional = given, False
        if isinstance(given, Mapping):
            value, optional = given.get("value"), bool(given.get("optional"))
        if optional and (value is None or value is False or value == ""):
            continue
        if optional and value is True:
            drawn.append(f" {escape(name)}")
            continue
        if value is True or value is False:
            value = str(value).lower()
        drawn.append(f' {escape(name)}="{escape("" if value is None else value)}"')
    return Markup("".join(drawn))


def _content(item: Mapping) -> Markup:
    if item.get("html"):
        return Markup(item["html"])
    return escape(item["text"]) if "text" in item else Markup("")


def _classes(*names: str | None) -> str:
    return " ".join(name for name in names if name)


def _caption(params: Mapping) -> str:
    if not params.get("caption"):
        return ""
    classes = _classes("govuk-table__caption", params.get("captionClasses"))
    return f'<caption class="{classes}">{escape(params["caption"])}</caption>'


def _head(head: list) -> str:
    cells = "".join(
        f'<th scope="col" role="columnheader" class="{_classes("govuk-table__header", item.get("format") and "govuk-table__header--" + item["format"], item.get("classes"))}"'
        f"{_colspan(item)}{attributes(item.get('attributes'))}>{_content(item)}</th>"
        for item in head
    )
    return (
        f'<thead class="govuk-table__head" role="rowgroup"><tr class="govuk-table__row" role="row">{cells}</tr></thead>'
    )


def _colspan(cell: Mapping) -> str:
    return f' colspan="{escape(cell["colspan"])}"' if cell.get("colspan") else ""


def _labels(head: list, width: int) -> list[str | None]:
    """The heading each column's cells show in a card: a head item's "label", else its text."""
    labels: list[str | None] = []
    for index in range(width):
        item = head[index] if index < len(head) else {}
        labels.append(item["label"] if "label" in item else item.get("text"))
    return labels


def stacked_table(params: Mapping) -> Markup:
    """A list, one row per thing: cards below the desktop breakpoint, a table from it."""
    head = params.get("head") or []
    rows = [row for row in params.get("rows") or [] if row]
    title_columns = params.get("titleColumns") or 1
    first_is_header = bool(params.get("firstCellIsHeader"))
    labels = _labels(head, max((len(row) for row in rows), default=0))
    body = []
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            is_title = index < title_columns
            is_header = index == 0 and first_is_header
            classes = _classes(
                "govuk-table__header" if is_header else "govuk-table__cell",
                cell.get("format") and not is_header and "govuk-table__cell--" + cell["format"],
                is_title and "twc-stacked-table__title",
                index + 1 == title_columns and "twc-stacked-table__title--end",
                cell.get("classes"),
            )
            label = labels[index]
            data_label = f' data-label="{escape(label)}"' if label and not is_title else ""
            opening = '<th scope="row" role="rowheader"' if is_header else '<td role="cell"'
            closing = "</th>" if is_header else "</td>"
            cells.append(
                f'{opening} class="{classes}"{_colspan(cell)}{data_label}{attributes(cell.get("attributes"))}>'
                f"{_content(cell)}{closing}"
            )
        body.append(f'<tr class="govuk-table__row" role="row">{"".join(cells)}</tr>')
    table_classes = _classes("govuk-table twc-stacked-table", params.get("classes"))
    return Markup(
        f'<table class="{table_classes}" role="table"{attributes(params.get("attributes"))}>'
        f"{_caption(params)}{_head(head) if head else ''}"
        f'<tbody class="govuk-table__body" role="rowgroup">{"".join(body)}</tbody></table>'
    )


def register(app) -> None:
    app.add_template_global(stacked_table, "stacked_table_html")
