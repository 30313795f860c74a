"""The PDF and the audio clip that ``notebooks/12_files.ipynb`` asks about, made for this repository.

Nothing here is downloaded: the newsletter is invented (the club, its people and its
address do not exist), written with fpdf2, and the announcement is spoken by Debian's
speech synthesizer espeak-ng. To make them again::

    pip install -r requirements-authoring.txt     # fpdf2 (and pypdf, to read the PDF back)
    apt-get install espeak-ng sox poppler-utils   # the voice, resampling, the page picture
    python -m authoring.media

It writes ``images/newsletter.pdf`` (two A4 pages), ``images/newsletter-page1.png`` (the
first page as a picture, for the notebook to show) and ``images/announcement.wav``
(8 kHz, mono, 16-bit: telephone quality, small enough to embed in the notebook).
Every word of them is in the constants below, which
``tests/test_media.py`` checks the authored answers against, so the test needs none
of these tools. The files are stamped with a fixed date, so the same tool versions
make the same bytes; a changed file changes its SHA-256, and the notebook's authored
answers then have to be recorded again (``python -m helpers record --standin 12_files``).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

IMAGES = Path(__file__).resolve().parent.parent / "images"
PDF_PATH = IMAGES / "newsletter.pdf"
PAGE_PNG_PATH = IMAGES / "newsletter-page1.png"
WAV_PATH = IMAGES / "announcement.wav"

#: The date written into the PDF's metadata (fixed, so the bytes do not change from run to run).
STAMP = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.timezone.utc)

CLUB = "Millbrook Cycling Club"
SUBTITLE = "Winter Newsletter | December 2026 | Issue 42"
INTRO = (
    "Welcome to the winter issue. The days are short, but the club keeps riding: below are our "
    "December rides, next year's membership fees and the date of the annual general meeting. "
    "Club news is on page 2."
)
RIDES_HEADING = "December rides"
RIDES_COLUMNS = ("Date", "Ride", "Distance", "Meet at", "Leader")
RIDES = (
    ("Sun 6 Dec", "Reservoir Loop", "42 km", "Station Square, 9:00", "Priya Natarajan"),
    ("Sat 12 Dec", "Hill Repeats on Crane Lane", "28 km", "Old Mill car park, 10:00", "Tom Baxter"),
    ("Sun 20 Dec", "Mince Pie Ride", "35 km", "Station Square, 9:30", "Ana Souza"),
    ("Sat 26 Dec", "Boxing Day Recovery Spin", "20 km", "Riverside Cafe, 10:30", "Priya Natarajan"),
)
RIDES_NOTE = "All rides go ahead in light rain. If a ride is cancelled, the leader posts it by 7:00 that morning."
MEMBERSHIP_HEADING = "Membership for 2027"
MEMBERSHIP = (
    "Adults: £45 a year",
    "Under-18s: £15 a year",
    "Families (two adults and their children): £90 a year",
)
MEMBERSHIP_NOTE = "Please renew by 31 January 2027. Members who renew by then keep their insurance without a break."
AGM_HEADING = "Annual General Meeting"
AGM = (
    "Thursday 14 January 2027 at 7:30 pm, Millbrook Community Hall. We will elect a new club captain "
    "and treasurer and vote on the 2027 ride calendar. Tea and cake from 7:00 pm."
)
NEWS_HEADING = "Club news"
NEWS = (
    (
        "Autumn charity ride",
        "On Sunday 11 October, 64 riders completed our autumn charity ride and raised £3,180 for the "
        "Millbrook Food Bank. Thank you to everyone who rode, baked or marshalled.",
    ),
    (
        "Lights on every ride",
        "From 1 November, front and rear lights are required on every club ride, whatever the time of day. "
        "Ride leaders will ask riders without lights to stay behind.",
    ),
    (
        "Two new ride leaders",
        "Congratulations to Ana Souza and Tom Baxter, who completed their ride-leader course in October.",
    ),
    (
        "Winter jackets",
        "The club's winter jacket costs £68 and can be ordered until 14 December; sizes XS to XXL.",
    ),
    (
        "Contact",
        "Questions about rides or membership? Ask any ride leader, or write to the club secretary, Helen Price.",
    ),
)

#: What espeak-ng says in ``images/announcement.wav``, word for word.
ANNOUNCEMENT = (
    "Hello, this is Helen from Millbrook Cycling Club. Ice is forecast, so the Reservoir Loop on "
    "Sunday the sixth will start at ten o'clock instead of nine. We still meet at Station Square. "
    "Remember your lights!"
)
#: espeak-ng's voice (British English, Received Pronunciation, female variant f3) and speed (words per minute).
VOICE = "en-gb-x-rp+f3"
SPEED = 150
SAMPLE_RATE = 8_000


def footer(page: int) -> str:
    """The line at the foot of each page."""
    return f"{CLUB} | Newsletter, December 2026 | Page {page} of 2"


def pdf_text() -> str:
    """Every piece of text written into the PDF, in reading order (what a reader of the PDF sees)."""
    lines = [CLUB, SUBTITLE, INTRO, RIDES_HEADING, " | ".join(RIDES_COLUMNS)]
    lines += [" | ".join(row) for row in RIDES]
    lines += [RIDES_NOTE, MEMBERSHIP_HEADING, *MEMBERSHIP, MEMBERSHIP_NOTE, AGM_HEADING, AGM, footer(1)]
    lines += [NEWS_HEADING]
    for title, body in NEWS:
        lines += [title, body]
    lines += [footer(2)]
    return "\n".join(lines)


def make_pdf(path: Path = PDF_PATH) -> None:
    """Write the two-page newsletter with fpdf2 (core Helvetica font, so no font file is needed)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    green = (31, 94, 59)
    pdf = FPDF(format="A4")
    pdf.set_creation_date(STAMP)
    pdf.set_title(f"{CLUB}: Winter Newsletter, December 2026")
    pdf.set_author(CLUB)
    pdf.set_subject("Club newsletter (invented, made for a Gemini API tutorial)")
    pdf.set_creator("authoring/media.py")
    pdf.set_producer("fpdf2")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(auto=False)

    def heading(text: str) -> None:
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 14)
        pdf.set_text_color(*green)
        pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("Helvetica", "", 11)

    def paragraph(text: str) -> None:
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")

    def foot(page: int) -> None:
        pdf.set_y(-16)
        pdf.set_font("Helvetica", "", 9)
        pdf.set_text_color(100, 100, 100)
        pdf.cell(0, 6, footer(page), align="C")
        pdf.set_text_color(0, 0, 0)

    # Page 1: the masthead, the rides table, membership and the meeting.
    pdf.add_page()
    pdf.set_fill_color(*green)
    pdf.rect(0, 0, 210, 34, style="F")
    pdf.set_xy(18, 9)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Helvetica", "B", 24)
    pdf.cell(0, 10, CLUB, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(0, 7, SUBTITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_y(42)
    paragraph(INTRO)

    heading(RIDES_HEADING)
    pdf.set_font("Helvetica", "", 10)
    pdf.set_fill_color(255, 255, 255)
    header_style = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=green)
    with pdf.table(
        col_widths=(22, 50, 20, 48, 34),
        headings_style=header_style,
        cell_fill_color=(232, 242, 235),
        cell_fill_mode="ROWS",
        line_height=6.5,
        text_align=("LEFT", "LEFT", "RIGHT", "LEFT", "LEFT"),
    ) as table:
        for row in (RIDES_COLUMNS, *RIDES):
            cells = table.row()
            for value in row:
                cells.cell(value)
    pdf.ln(2)
    pdf.set_font("Helvetica", "I", 10)
    pdf.multi_cell(0, 5, RIDES_NOTE, new_x="LMARGIN", new_y="NEXT")

    heading(MEMBERSHIP_HEADING)
    for line in MEMBERSHIP:
        pdf.cell(6, 5.5, "-")
        pdf.cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    paragraph(MEMBERSHIP_NOTE)

    heading(AGM_HEADING)
    paragraph(AGM)
    foot(1)

    # Page 2: club news.
    pdf.add_page()
    pdf.set_y(18)
    pdf.set_font("Helvetica", "B", 18)
    pdf.set_text_color(*green)
    pdf.cell(0, 10, NEWS_HEADING, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    for title, body in NEWS:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
        paragraph(body)
    foot(2)
    pdf.output(str(path))


def render_first_page(pdf: Path = PDF_PATH, png: Path = PAGE_PNG_PATH, dpi: int = 72) -> None:
    """The first page as a PNG, with poppler's pdftoppm (A4 at 72 dpi is 595 x 842 pixels)."""
    stem = png.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
        check=True,
    )


def make_wav(path: Path = WAV_PATH) -> None:
    """Speak :data:`ANNOUNCEMENT` with espeak-ng, then resample it to 8 kHz mono 16-bit with sox."""
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "espeak.wav"
        subprocess.run(["espeak-ng", "-v", VOICE, "-s", str(SPEED), "-w", str(raw), ANNOUNCEMENT], check=True)
        subprocess.run(
            ["sox", "-D", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer", str(path)],
            check=True,
        )


def main() -> int:
    """Make all three files in images/."""
    missing = [tool for tool in ("espeak-ng", "sox", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        print(f"Missing: {', '.join(missing)} (apt-get install espeak-ng sox poppler-utils)", file=sys.stderr)
        return 1
    make_pdf()
    render_first_page()
    make_wav()
    for path in (PDF_PATH, PAGE_PNG_PATH, WAV_PATH):
        print(f"{path.relative_to(IMAGES.parent)}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
