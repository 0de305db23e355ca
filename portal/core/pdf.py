"""Printable A4 PDFs, built from the same content as the web page they copy: a termly update,
or a family's own copy of what they told us.

A PDF is written as a list of blocks: ("h1" | "h2" | "h3" | "p", text) or ("table", caption,
header, rows). DejaVu Sans is used where the machine has it, so that any character prints;
without it the built-in Helvetica is used and characters it cannot show are replaced.
"""

from collections.abc import Iterable, Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/local/share/fonts/dejavu"))
SIZES = {"h1": 20, "h2": 15, "h3": 12, "p": 11}
# Room (mm) a heading or a table's caption needs below it on the same page, so that it is never
# left alone at the foot of a page.
KEEP_WITH_NEXT = 25
CELL_PADDING = 2  # mm, besides the cell margins on both sides
# Plain replacements for the punctuation people type, for the fallback font.
PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


class _Document(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.family, self.unicode = _font(self)

    def text(self, value: str) -> str:  # noqa: D401 - not FPDF.text: a cleaner for strings
        value = str(value)
        if self.unicode:
            return value
        return value.translate(PLAIN).encode("latin-1", "replace").decode("latin-1")

    def footer(self):
        self.set_y(-12)
        self.set_font(self.family, size=8)
        self.cell(0, 6, self.text(f"{self.footer_text} - page {self.page_no()} of {{nb}}"), align="C")


def _font(pdf: FPDF) -> tuple[str, bool]:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdf.add_font("DejaVu", "", str(regular))
            pdf.add_font("DejaVu", "B", str(bold))
            return "DejaVu", True
    return "Helvetica", False


def build_pdf(title: str, footer_text: str, blocks: Iterable[Sequence]) -> bytes:
    pdf = _Document(footer_text)
    pdf.set_title(pdf.text(title))
    pdf.set_lang("en-GB")  # so that a screen reader reads it in the right voice
    pdf.alias_nb_pages()
    pdf.add_page()
    for block in blocks:
        kind = block[0]
        if kind == "table":
            _table(pdf, *block[1:])
            continue
        size = SIZES[kind]
        pdf.set_font(pdf.family, style="" if kind == "p" else "B", size=size)
        if kind != "p":
            _keep_with_next(pdf)
            pdf.ln(3)
        pdf.multi_cell(0, size * 0.5, pdf.text(block[1]), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())


def _keep_with_next(pdf: _Document) -> None:
    if pdf.get_y() + KEEP_WITH_NEXT > pdf.page_break_trigger:
        pdf.add_page()


def _widths(pdf: _Document, header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[float]:
    """Column widths: each column after the first as wide as its longest value (or the longest
    word of its heading, so that no word is broken), and the first, the labels, takes the rest."""
    available = pdf.epw
    if len(header) < 2:
        return [available]
    widths = []
    for index in range(1, len(header)):
        pdf.set_font(pdf.family, style="B", size=10)
        widest = max((pdf.get_string_width(word) for word in str(header[index]).split()), default=0)
        pdf.set_font(pdf.family, size=10)
        widest = max([widest, *(pdf.get_string_width(row[index]) for row in rows if index < len(row))])
        widths.append(widest + 2 * pdf.c_margin + CELL_PADDING)
    rest = available - sum(widths)
    least = available * 0.25
    if rest < least:  # too many wide columns: shrink them, the labels keep a quarter
        widths = [width * (available - least) / sum(widths) for width in widths]
        rest = least
    return [rest, *widths]


def _table(pdf: _Document, caption: str, header: Sequence[str], rows: Sequence[Sequence]) -> None:
    _keep_with_next(pdf)
    pdf.set_font(pdf.family, style="B", size=11)
    pdf.multi_cell(0, 6, pdf.text(caption), new_x="LMARGIN", new_y="NEXT")
    header = [pdf.text(value) for value in header]
    rows = [[pdf.text("" if value is None else value) for value in values] for values in rows]
    widths = _widths(pdf, header, rows)
    pdf.set_font(pdf.family, size=10)
    with pdf.table(
        headings_style=FontFace(emphasis="BOLD"), line_height=6, text_align="LEFT", col_widths=widths, width=pdf.epw
    ) as table:
        for values in [header, *rows]:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(4)
