"""PDF: ruled tables (pdfplumber) and the text around them, page by page, in reading order.

Each page's ruled tables are found by pdfplumber from the lines drawn around
their cells; a position that a merged cell covers comes back as ``None`` and
becomes a covered cell of the origin above or to the left. The text of a cell
and of the prose between tables is rebuilt from the characters:

* characters are grouped into printed lines by their vertical position;
* a printed line that runs up to the right edge (of its cell, or of the text
  column) and whose successor's first character or word would not have fit
  on it was **wrapped**: the two are joined (CJK directly, words with a
  space); any other line break is a real one (``\\n``);
* a line in a larger font than the body text is a heading; a vertical gap
  wider than the line spacing starts a new paragraph;
* lines at the very top or bottom of the page that repeat on several pages
  (running headers, page numbers) are dropped.

Tables stitch across pages in the parsers, exactly as they do in text: the
header row repeated on the next page and a row cut by the page break are
repaired there (:mod:`kb.parse.projects`, :mod:`kb.parse.budget`).

An encrypted, image-only (scanned) or corrupt PDF is refused with one message;
a page that cannot be parsed or holds only images is skipped with a warning.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from typing import Any

from kb.errors import DocumentError
from kb.read.blocks import Block, Cell, Heading, Line, Paragraph, ReadDocument, ReadNote, Row, Table, Where

# A run of glyphs in the top or bottom band of a page that repeats on this many pages is a running header/footer.
MARGIN_BAND = 0.06
REPEATS_FOR_RUNNING = 3
# A line in a font this much larger than the body text is a heading.
HEADING_SIZE_RATIO = 1.12
# Lines further apart than this (in font sizes, top to top minus height) start a new paragraph.
PARAGRAPH_GAP = 0.6
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d+\s*(?:页)?(?:\s*/\s*\d+)?[-—–\s]*$")
_ASCII_WORD = re.compile(r"[0-9A-Za-z]")
# Punctuation a line may not end with (opening) or start with (closing), so it wraps with its neighbour.
_OPENING = set("（《“‘「『〔【([{")
_CLOSING = set("）》”’」』〕】)]}，。、；：！？%％,.;:!?")


@dataclass(slots=True)
class _Printed:
    """One printed line: its characters' text and extent."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    first_width: float  # width of the first character
    word_width: float  # width of the first word (up to a space), for lines broken at a space


def _quiet_pdfminer() -> None:
    """pdfminer warns about every font without a FontBBox; those fonts read fine."""
    for name in ("pdfminer", "pdfminer.pdffont", "pdfminer.pdfpage", "pdfminer.pdfinterp", "pdfminer.converter"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _printed_lines(chars: list[dict[str, Any]]) -> list[_Printed]:
    """Characters grouped into printed lines, top to bottom, each left to right."""
    if not chars:
        return []
    ordered = sorted(chars, key=lambda c: (c["top"], c["x0"]))
    groups: list[list[dict[str, Any]]] = []
    for char in ordered:
        if groups:
            last = groups[-1]
            anchor = last[0]
            if char["top"] < anchor["top"] + 0.5 * max(anchor["size"], 1.0):
                last.append(char)
                continue
        groups.append([char])
    lines: list[_Printed] = []
    for group in groups:
        group.sort(key=lambda c: c["x0"])
        parts: list[str] = []
        previous: dict[str, Any] | None = None
        for char in group:
            text = char["text"]
            if previous is not None:
                gap = char["x0"] - previous["x1"]
                # PDFs without space glyphs: a gap of a quarter em is a space.
                if gap > 0.25 * char["size"] and text != " " and previous["text"] != " ":
                    parts.append(" ")
            parts.append(text)
            previous = char
        text = "".join(parts).strip()
        if not text:
            continue
        visible = [c for c in group if c["text"].strip()]
        first = visible[0]
        sizes = Counter(round(c["size"], 1) for c in visible)
        lines.append(
            _Printed(
                text=text,
                x0=first["x0"],
                x1=max(c["x1"] for c in visible),
                top=min(c["top"] for c in visible),
                bottom=max(c["bottom"] for c in visible),
                size=sizes.most_common(1)[0][0],
                bold=sum("Bold" in c.get("fontname", "") for c in visible) * 2 > len(visible),
                first_width=first["x1"] - first["x0"],
                word_width=_unit_end(visible) - first["x0"],
            )
        )
    return lines


def _unit_end(chars: list[dict[str, Any]]) -> float:
    """Where the first unbreakable unit of a line ends: an ASCII word, or a CJK character with the opening
    brackets before it and the closing punctuation after it (which a line may not start or end with)."""
    end = chars[0]["x1"]
    for index, char in enumerate(chars):
        text = char["text"]
        following = chars[index + 1]["text"] if index + 1 < len(chars) else ""
        end = char["x1"]
        if text in _OPENING:
            continue
        if following and (following in _CLOSING or (_ASCII_WORD.match(text) and _ASCII_WORD.match(following))):
            continue
        break
    return end


def _wrapped(previous: _Printed, line: _Printed, right: float) -> str | None:
    """How ``line`` continues ``previous`` if the break between them was a wrap: ``""`` or ``" "``; None if not."""
    slack = 0.15 * previous.size
    if previous.x1 + line.first_width > right - slack:
        return ""  # not even the next character fitted: broken inside a word or between CJK characters
    ascii_both = bool(_ASCII_WORD.match(previous.text[-1]) and _ASCII_WORD.match(line.text[0]))
    if previous.x1 + line.word_width > right - slack:
        return " " if ascii_both else ""  # the next unit did not fit: CJK breaks anywhere, words at spaces
    if previous.x1 + 0.3 * previous.size + line.word_width > right - slack:
        # The next unit did not fit after a space. Between ASCII words that space was printed; beside Chinese
        # it almost never is (a browser also breaks before an unbreakable run such as ≥62%, which the unit
        # measured here underestimates), so the halves join directly.
        return " " if ascii_both else ""
    return None


def join_printed(lines: list[_Printed], right: float) -> list[str]:
    """The logical lines of printed ``lines`` whose text column ends at ``right``: wraps joined, breaks kept."""
    out: list[str] = []
    for index, line in enumerate(lines):
        if index and (glue := _wrapped(lines[index - 1], line, right)) is not None:
            out[-1] = out[-1] + glue + line.text if glue else out[-1] + line.text
        else:
            out.append(line.text)
    return out


# --- the second extraction path --------------------------------------------------------------------------


class _PdfiumText:
    """The characters pdfium reads on one page, found by position.

    pdfminer maps a glyph to the first code point its font lists for it, so a
    font that shares one glyph between 户 and 戶, or draws 齐 with the glyph of
    the radical ⻬, makes it return the wrong character; pdfium follows the
    ``ActualText`` Chromium and others write and returns the character printed.
    Each pdfminer character takes pdfium's character at the same place.
    """

    def __init__(self, textpage: Any, height: float) -> None:
        self.at: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
        count = textpage.count_chars()
        text = textpage.get_text_range()
        if len(text) != count:
            return  # characters outside the BMP shift the indexes; keep pdfminer's text
        for index, char in enumerate(text):
            if not char.strip():
                continue
            left, bottom, right, top = textpage.get_charbox(index, loose=True)
            cx, cy = (left + right) / 2, height - (top + bottom) / 2
            self.at.setdefault((round(cx / 2), round(cy / 2)), []).append((cx, cy, char))

    def char_at(self, cx: float, cy: float) -> str | None:
        """pdfium's character centred within 2 pt of ``(cx, cy)`` (Manhattan distance), if there is one."""
        kx, ky = round(cx / 2), round(cy / 2)
        best: tuple[float, str] | None = None
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for x, y, char in self.at.get((kx + dx, ky + dy), ()):
                    distance = abs(x - cx) + abs(y - cy)
                    if distance < 2.0 and (best is None or distance < best[0]):
                        best = (distance, char)
        return best[1] if best else None

    def correct(self, chars: list[dict[str, Any]]) -> None:
        """Replace each character's text by pdfium's where they differ (and pdfium has one there)."""
        if not self.at:
            return
        for char in chars:
            text = char["text"]
            if text == " ":
                continue
            found = self.char_at((char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2)
            if found is not None and found != text:
                char["text"] = found


# --- tables ----------------------------------------------------------------------------------------------------


def _chars_in(chars_by_y: list[dict[str, Any]], centres: list[float], box: tuple[float, float, float, float]) -> list:
    """The characters whose centre lies inside ``box`` (chars sorted by vertical centre, ``centres`` their keys)."""
    x0, top, x1, bottom = box
    start, end = bisect_left(centres, top), bisect_right(centres, bottom)
    return [c for c in chars_by_y[start:end] if x0 <= (c["x0"] + c["x1"]) / 2 <= x1]


def _table(found: Any, chars: list[dict[str, Any]], page: int) -> Table:
    """A pdfplumber table as a grid: covered positions (``None``) know the origin above or to the left."""
    chars_by_y = sorted(chars, key=lambda c: (c["top"] + c["bottom"]) / 2)
    centres = [(c["top"] + c["bottom"]) / 2 for c in chars_by_y]
    boxes: list[list[tuple[float, float, float, float] | None]] = [list(row.cells) for row in found.rows]
    grid: list[list[Cell]] = []
    for r, row_boxes in enumerate(boxes):
        cells: list[Cell] = []
        for c, box in enumerate(row_boxes):
            if box is None:
                cells.append(Cell("", covered=True, span_text=_origin_text(grid, boxes, cells, r, c)))
                continue
            inside = _printed_lines(_chars_in(chars_by_y, centres, box))
            if inside:
                padding = max(0.0, min(line.x0 for line in inside) - box[0])
                text = "\n".join(join_printed(inside, box[2] - padding))
                bold = all(line.bold for line in inside)
            else:
                text, bold = "", False
            cells.append(Cell(text, bold))
        grid.append(cells)
    _set_spans(grid, boxes)
    rows = [Row(cells, Where(page=page, row=r + 1)) for r, cells in enumerate(grid)]
    return Table(rows, Where(page=page))


def _origin_text(
    grid: list[list[Cell]],
    boxes: list[list[tuple[float, float, float, float] | None]],
    cells: list[Cell],
    r: int,
    c: int,
) -> str:
    """The text of the merged cell covering ``(r, c)``: the nearest origin above that reaches down, else left."""
    for rr in range(r - 1, -1, -1):
        box = boxes[rr][c] if c < len(boxes[rr]) else None
        if box is not None:
            below = boxes[r][0] if boxes[r] and boxes[r][0] is not None else None
            if below is None or box[3] >= below[3] - 0.5:
                return grid[rr][c].text
            break
        if c < len(grid[rr]) and grid[rr][c].covered and grid[rr][c].span_text:
            return grid[rr][c].span_text
    for cc in range(c - 1, -1, -1):
        if not cells[cc].covered:
            return cells[cc].text
        if cells[cc].span_text:
            return cells[cc].span_text
    return ""


def _set_spans(grid: list[list[Cell]], boxes: list[list[tuple[float, float, float, float] | None]]) -> None:
    """Record rowspan/colspan on origin cells from how many covered positions follow them."""
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell.covered:
                continue
            colspan = 1
            while c + colspan < len(row) and row[c + colspan].covered and boxes[r][c + colspan] is None:
                colspan += 1
            box = boxes[r][c]
            rowspan = 1
            if box is not None:
                for rr in range(r + 1, len(grid)):
                    if c < len(grid[rr]) and grid[rr][c].covered and boxes[rr][c] is None:
                        row_box = next((b for b in boxes[rr] if b is not None), None)
                        if row_box is not None and row_box[1] >= box[3] - 0.5:
                            break
                        rowspan += 1
                    else:
                        break
            cell.colspan, cell.rowspan = colspan, rowspan


# --- pages -----------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _PageContent:
    number: int
    height: float
    items: list[tuple[float, Table | _Printed]]


def _page_content(page: Any, number: int, pdfium_page: _PdfiumText | None) -> _PageContent:
    chars = [c for c in page.chars if c.get("upright", True)]
    if pdfium_page is not None:
        pdfium_page.correct(chars)
    found = page.find_tables() if page.rects or page.lines else []
    items: list[tuple[float, Table | _Printed]] = []
    taken: set[int] = set()
    for table in found:
        x0, top, x1, bottom = table.bbox
        inside = [
            i
            for i, c in enumerate(chars)
            if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
        ]
        taken.update(inside)
        items.append((top, _table(table, [chars[i] for i in inside], number)))
    free = [c for i, c in enumerate(chars) if i not in taken]
    items.extend((line.top, line) for line in _printed_lines(free))
    items.sort(key=lambda item: item[0])
    return _PageContent(number, float(page.height), items)


def _running_texts(pages: list[_PageContent]) -> set[str]:
    """Texts of the top and bottom bands that repeat on several pages (digits ignored): running headers/footers."""
    seen: Counter[str] = Counter()
    for page in pages:
        texts = set()
        for _, item in page.items:
            if isinstance(item, _Printed) and _in_margin(item, page.height):
                texts.add(_DIGITS.sub("#", item.text))
        seen.update(texts)
    return {text for text, count in seen.items() if count >= REPEATS_FOR_RUNNING}


def _in_margin(line: _Printed, height: float) -> bool:
    return line.bottom < height * MARGIN_BAND or line.top > height * (1 - MARGIN_BAND)


def _blocks(pages: list[_PageContent]) -> list[Block]:
    running = _running_texts(pages)
    printed = [item for page in pages for _, item in page.items if isinstance(item, _Printed)]
    sizes = Counter(round(line.size) for line in printed)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    right = max((line.x1 for line in printed), default=0.0)
    blocks: list[Block] = []
    for page in pages:
        run: list[_Printed] = []
        for _, item in [*page.items, (float("inf"), None)]:
            if isinstance(item, _Printed):
                if _in_margin(item, page.height) and (
                    _DIGITS.sub("#", item.text) in running or _PAGE_NUMBER.match(item.text)
                ):
                    continue
                run.append(item)
                continue
            blocks.extend(_text_blocks(run, page.number, body, right))
            run = []
            if isinstance(item, Table):
                blocks.append(item)
    return blocks


def _text_blocks(lines: list[_Printed], page: int, body: float, right: float) -> list[Block]:
    """Printed lines between tables → headings and paragraphs."""
    blocks: list[Block] = []
    group: list[_Printed] = []

    def close() -> None:
        if not group:
            return
        heading = group[0].size >= body * HEADING_SIZE_RATIO
        texts = join_printed(group, right)
        where = Where(page=page)
        lines = [Line(text, where) for text in texts]
        if heading:
            level = 1 if group[0].size >= body * 1.5 else 2 if group[0].size >= body * 1.3 else 3
            blocks.append(Heading(lines, level=level))
        else:
            blocks.append(Paragraph(lines))
        group.clear()

    for line in lines:
        if group:
            previous = group[-1]
            gap = line.top - previous.bottom
            is_heading = line.size >= body * HEADING_SIZE_RATIO
            was_heading = previous.size >= body * HEADING_SIZE_RATIO
            if gap > PARAGRAPH_GAP * previous.size or is_heading != was_heading or abs(line.size - previous.size) > 0.5:
                close()
        group.append(line)
    close()
    return blocks


def _is_password_error(exc: BaseException, password_error: type[BaseException]) -> bool:
    """pdfplumber wraps pdfminer's errors (``PdfminerException(PDFPasswordIncorrect())``): look inside."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, password_error) or any(isinstance(arg, password_error) for arg in seen.args):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _cause_name(exc: BaseException) -> str:
    """The name of the error pdfminer raised (inside pdfplumber's wrapper)."""
    inner = next((arg for arg in exc.args if isinstance(arg, BaseException)), exc)
    return type(inner).__name__


def _cut_short(data: bytes) -> bool:
    """Whether an unreadable PDF is the start of a good one (objects, and no %%EOF at its end): a download that
    stopped, which is worth saying, as opposed to noise after a PDF header."""
    return b"%%EOF" not in data[-2048:] and b"endobj" in data[:65536]


def _open_pdfium(data: bytes) -> Any:
    """The same PDF opened by pdfium (the second extraction path), or None if pdfium cannot open it."""
    try:
        import pypdfium2

        return pypdfium2.PdfDocument(data)
    except Exception:  # pdfium refuses what pdfminer may still read; the first path goes on alone
        return None


def _pdfium_page(document: Any, index: int, height: float) -> _PdfiumText | None:
    if document is None:
        return None
    try:
        page = document[index]
        textpage = page.get_textpage()
        try:
            return _PdfiumText(textpage, height)
        finally:
            textpage.close()
            page.close()
    except Exception:  # a page pdfium cannot read: pdfminer's characters stand
        return None


def _close_quietly(pdf: Any) -> None:
    """Close a pdfplumber PDF; closing walks the page tree again, which a broken file makes raise anew
    (and that error would replace the DocumentError already being raised)."""
    with contextlib.suppress(Exception):  # any failure to close a damaged file changes nothing for the reader
        pdf.close()


def read_pdf(data: bytes, path: str, sha256: str) -> ReadDocument:
    """A PDF as blocks; raises DocumentError for an encrypted, image-only or unreadable file."""
    _quiet_pdfminer()
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    pdfium = _open_pdfium(data)

    notes: list[ReadNote] = []
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many types for broken files (PDFSyntaxError, KeyError, …)
        if _is_password_error(exc, PDFPasswordIncorrect):
            raise DocumentError(path, "PDF 已加密，需要密码才能打开 (encrypted PDF)") from None
        if _cut_short(data):
            raise DocumentError(
                path,
                "PDF 文件不完整：末尾没有 %%EOF 结束标记，多半是下载中断，请重新下载（文件损坏或不完整）"
                f"(truncated PDF: {_cause_name(exc)})",
            ) from None
        raise DocumentError(
            path, f"不是文本文件，也无法作为 PDF 读取：文件损坏或不完整 (corrupt PDF: {_cause_name(exc)})"
        ) from None
    try:
        try:
            page_count = len(pdf.pages)
        except Exception as exc:  # the page tree itself is broken
            raise DocumentError(
                path, f"不是文本文件，也无法作为 PDF 读取：文件损坏或不完整 (corrupt PDF: {type(exc).__name__})"
            ) from None
        if page_count == 0:
            raise DocumentError(path, "PDF 没有任何页面，文件损坏或不完整 (PDF without pages)")
        pages: list[_PageContent] = []
        image_only: list[int] = []
        for number, page in enumerate(pdf.pages, start=1):
            try:
                if not page.chars:
                    if page.images:
                        image_only.append(number)
                    continue
                pages.append(_page_content(page, number, _pdfium_page(pdfium, number - 1, float(page.height))))
            except Exception as exc:  # a broken content stream: keep the other pages
                notes.append(
                    ReadNote(
                        code="unreadable_page",
                        message=f"第 {number} 页无法解析（{type(exc).__name__}），已跳过",
                        where=Where(page=number),
                    )
                )
            finally:
                page.close()
    finally:
        _close_quietly(pdf)
    if pdfium is not None:
        pdfium.close()
    if not pages:
        if image_only:
            raise DocumentError(
                path, f"PDF 的 {len(image_only)} 页都只有图像、没有文字层（扫描件），需要先做文字识别 (image-only PDF)"
            )
        raise DocumentError(path, "PDF 中没有可提取的文字 (no text in this PDF)")
    if image_only:
        listed = "、".join(str(n) for n in image_only[:10]) + ("…" if len(image_only) > 10 else "")
        notes.append(
            ReadNote(
                code="image_only_pages",
                message=f"第 {listed} 页只有图像、没有文字层（扫描件），已跳过",
                where=Where(page=image_only[0]),
            )
        )
    return ReadDocument(
        path=path,
        sha256=sha256,
        form="pdf",
        encoding="pdf",
        blocks=_blocks(pages),
        page_count=page_count,
        notes=notes,
    )
