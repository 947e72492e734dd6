"""Datasette plugin: the pages a budget reviewer works in.

* ``/<db>/indicators/<id>``: the indicator as a card, with its 原文, a citation
  for a review memo, links, similar indicators of other projects and its findings;
* ``/<db>/projects/<id>``: the project's header, its indicator table laid out as in
  the document, its findings and the same project in other years;
* ``/<db>/indicator_families/<id>`` and ``/<db>/-/families``: a family's members side
  by side with a chart of their targets, and the list of families;
* ``/<db>/-/findings`` (审核) and ``/<db>/-/rules``: the findings, errors first, with
  each rule's principle in Chinese;
* the database page ``/<db>`` opens with an overview (``pages/overview.html``);
* ``/-/kb/search`` (and ``.json``): one search over every served knowledge base
  (a database per region and year, served together), hits merged best first.

The row pages replace Datasette's HTML for those three tables (their JSON and
CSV stay Datasette's); on a database that is not a knowledge base they hand
over to Datasette. Links use the database name of the request. Each page's
data is read in one worker thread (``Database.execute_fn``) by the loaders of
this package; templates live in ``kb/web/templates/pages/``, the stylesheet,
script and the vendored Vega-Lite in ``kb/web/static/`` (no CDN: these sites
run on intranets).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils import tilde_decode
from datasette.utils.asgi import Forbidden, NotFound, Request, Response, asgi_static
from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, TemplateNotFound
from markupsafe import Markup

from kb.checks.registry import SEVERITY_NAMES
from kb.web.pages.across import AcrossPage, DatabaseHits, load_hits, merge, nothing_to_search, parse_limit
from kb.web.pages.evidence import Linker
from kb.web.pages.families import NO_OPERATOR, OPERATOR_COLOURS, load_family, load_family_list
from kb.web.pages.findings import Filters, load_findings_page, load_rules, rule_views
from kb.web.pages.indicator import load_indicator
from kb.web.pages.overview import load_overview
from kb.web.pages.project import load_project
from kb.web.pages.site import OPERATOR_NAMES, SEVERITY_ORDER, TARGET_KINDS, number, wan

WEB = Path(__file__).resolve().parent.parent
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
STATIC_ROUTE = "/-/kb-pages/static/"
# A database is a knowledge base when it has these tables.
KB_TABLES = frozenset({"indicators", "projects", "indicator_families", "anomalies", "documents"})
_DATABASE_PAGE = re.compile(r"database-.+\.html")


# ---------------------------------------------------------------- templates and static files


class _DatabasePageLoader(BaseLoader):
    """``database-<any database>.html`` is the overview template (which extends ``database.html``).

    Datasette looks for a per-database template first; the served database may
    have any name, so the name is matched here instead of shipped as a file.
    """

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        if not _DATABASE_PAGE.fullmatch(template):
            raise TemplateNotFound(template)
        path = TEMPLATES / "pages" / "overview.html"
        mtime = path.stat().st_mtime
        return path.read_text(encoding="utf-8"), str(path), lambda: path.stat().st_mtime == mtime

    def list_templates(self) -> list[str]:
        # The names it answers to are any database's; the file itself is listed by the FileSystemLoader.
        return []


@hookimpl
def prepare_jinja2_environment(env: Environment) -> None:
    """Our templates after everyone else's (so ``base.html`` stays whatever the site uses), then the overview."""
    env.loader = ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES)), _DatabasePageLoader()])  # type: ignore[list-item]
    env.filters["wan"] = wan
    env.filters["number"] = number


def _query_string(**params: Any) -> str:
    """``?name=value&…`` of the parameters that have a value (a page's links to itself with other filters)."""
    return "?" + urlencode({k: v for k, v in params.items() if v is not None and v != ""})


def _static(datasette: Any, path: str) -> str:
    return str(datasette.urls.path(STATIC_ROUTE + path))


# ---------------------------------------------------------------- shared


async def _knowledge_base(datasette: Any, name: str) -> Any | None:
    """The database ``name`` if it is a knowledge base, else None."""
    try:
        db = datasette.get_database(name)
    except KeyError:
        return None
    return db if set(await db.table_names()) >= KB_TABLES else None


async def _listing_database(datasette: Any, request: Any, table: str) -> tuple[str, Any]:
    """The name and database of a page listing rows of ``table``: a knowledge base the actor may read, else 404/403."""
    database = _database(request)
    db = await _knowledge_base(datasette, database)
    if db is None:
        raise NotFound("不是绩效指标知识库 (not a knowledge base)")
    await _allowed(datasette, request, database, table)
    return database, db


def _linker(datasette: Any, database: str) -> Linker:
    def link(table: str, pk: Any) -> str:
        return str(datasette.urls.row(database, table, pk))

    return link


async def _render(datasette: Any, request: Any, template: str, database: str, **context: Any) -> Response:
    urls = datasette.urls
    base = {
        "database": database,
        "database_title": datasette.metadata("title", database=database) or database,
        "severity_names": SEVERITY_NAMES,
        "kb_static": lambda path: _static(datasette, path),
        "kb_pages": {
            "overview": urls.database(database),
            "findings": urls.database(database) + "/-/findings",
            "families": urls.database(database) + "/-/families",
            "rules": urls.database(database) + "/-/rules",
            "indicators": urls.table(database, "indicators"),
            "projects": urls.table(database, "projects"),
        },
        "link": _linker(datasette, database),
        "severity_order": SEVERITY_ORDER,
        "operator_names": OPERATOR_NAMES,
        "operator_colours": OPERATOR_COLOURS,
        "target_kinds": TARGET_KINDS,
        "tojson_script": _json_script,
        "query": _query_string,
    }
    html = await datasette.render_template(
        f"pages/{template}", {**base, **context}, request=request, view_name=f"kb-{template.removesuffix('.html')}"
    )
    return Response.html(html)


def _json_script(value: Any) -> Markup:
    """JSON safe inside a ``<script type="application/json">`` element."""
    return Markup(json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e"))


async def _allowed(datasette: Any, request: Any, database: str, table: str | None = None) -> None:
    checks: list[Any] = ["view-instance", ("view-database", database)]
    if table:
        checks.insert(0, ("view-table", (database, table)))
    await datasette.ensure_permissions(request.actor, checks)


def _row_id(request: Any) -> int:
    try:
        return int(request.url_vars["pks"])
    except (KeyError, ValueError):
        raise NotFound("没有这一行 (no such row)") from None


async def _datasette_row(datasette: Any, request: Any, send: Any, table: str) -> Response:
    """Datasette's own row page, for a database that is not a knowledge base."""
    from datasette.views.row import RowView

    kwargs = {**request.url_vars, "table": table, "format": None}
    scope = {**request.scope, "url_route": {**request.scope.get("url_route", {}), "kwargs": kwargs}}
    return await RowView.as_view(datasette)(Request(scope, request.receive), send)


def _database(request: Any) -> str:
    """The database name of the request (Datasette tilde-encodes names that are not plain ASCII)."""
    return str(tilde_decode(request.url_vars["database"]))


# ---------------------------------------------------------------- pages


async def _card_page(
    datasette: Any, request: Any, send: Any, table: str, load: Any, template: str, missing: str
) -> Response:
    """A row of ``table`` as a card (``load(conn, id, link)``), with the link to its series' query if served."""
    database = _database(request)
    db = await _knowledge_base(datasette, database)
    if db is None:
        return await _datasette_row(datasette, request, send, table)
    await _allowed(datasette, request, database, table)
    row_id, link = _row_id(request), _linker(datasette, database)
    page = await db.execute_fn(lambda conn: load(conn, row_id, link))
    if page is None:
        raise NotFound(missing.format(row_id))
    series = await datasette.get_canned_query(database, "series_indicators", request.actor)
    return await _render(datasette, request, template, database, page=page, series_query=series is not None)


async def indicator_page(datasette: Any, request: Any, send: Any) -> Response:
    """The indicator card."""
    return await _card_page(
        datasette, request, send, "indicators", load_indicator, "indicator.html", "没有编号为 {} 的指标"
    )


async def project_page(datasette: Any, request: Any, send: Any) -> Response:
    """The project page."""
    return await _card_page(datasette, request, send, "projects", load_project, "project.html", "没有编号为 {} 的项目")


async def family_page(datasette: Any, request: Any, send: Any) -> Response:
    """One family: members side by side and the chart of their targets."""
    database = _database(request)
    db = await _knowledge_base(datasette, database)
    if db is None:
        return await _datasette_row(datasette, request, send, "indicator_families")
    await _allowed(datasette, request, database, "indicator_families")
    family_id = _row_id(request)
    operator = request.args.get("op") or None
    if operator not in (*OPERATOR_NAMES, NO_OPERATOR, None):
        operator = None
    number_page = request.args.get("page")
    page = await db.execute_fn(lambda conn: load_family(conn, family_id, operator, number_page))
    if page is None:
        raise NotFound(f"没有编号为 {family_id} 的指标族")
    return await _render(datasette, request, "family.html", database, page=page)


async def families_page(datasette: Any, request: Any) -> Response:
    """The list of families, largest first."""
    database, db = await _listing_database(datasette, request, "indicator_families")
    query, show_all, number_page = request.args.get("q") or "", bool(request.args.get("all")), request.args.get("page")
    page = await db.execute_fn(lambda conn: load_family_list(conn, query, show_all, number_page))
    return await _render(datasette, request, "families.html", database, page=page)


async def findings_page(datasette: Any, request: Any) -> Response:
    """The findings (审核) page."""
    database, db = await _listing_database(datasette, request, "anomalies")
    filters, link = Filters.parse({key: request.args.get(key) for key in request.args}), _linker(datasette, database)
    number_page = request.args.get("page")
    page = await db.execute_fn(lambda conn: load_findings_page(conn, filters, number_page, link))
    rules = rule_views(page.by_rule)
    return await _render(
        datasette, request, "findings.html", database, page=page, rules={rule.id: rule for rule in rules}
    )


async def rules_page(datasette: Any, request: Any) -> Response:
    """Every rule with its principle in Chinese."""
    database, db = await _listing_database(datasette, request, "anomalies")
    rules = await db.execute_fn(load_rules)
    return await _render(datasette, request, "rules.html", database, rules=rules)


async def across_page(datasette: Any, request: Any) -> Response:
    """One search over every knowledge base served (that the actor may read), best hits first."""
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    query, limit = (request.args.get("q") or "").strip(), parse_limit(request.args.get("limit"))
    message = nothing_to_search(query)
    searched = query if message is None else ""  # no database could match a query without words
    parts = []
    for name in list(datasette.databases):
        db = await _knowledge_base(datasette, name)
        if db is None:
            continue
        try:
            await _allowed(datasette, request, name, "indicators")
        except Forbidden:
            continue
        rows = await db.execute_fn(lambda conn: load_hits(conn, searched, limit)) if searched else []
        parts.append(DatabaseHits(name, datasette.metadata("title", database=name) or name, rows))
    # Every knowledge base carries the same Chinese title unless a metadata file names it: then its file name
    # (石家庄2024, 保定2024) is what tells them apart.
    titles = [part.title for part in parts]
    for part in parts:
        if titles.count(part.title) > 1:
            part.title = part.database
    page = AcrossPage(query, limit, merge(parts, limit), parts, message)
    if request.url_vars.get("format"):
        return Response.json(
            {
                "query": page.query,
                "limit": page.limit,
                "message": page.message,
                "databases": [{"database": p.database, "title": p.title, "hits": len(p.rows)} for p in parts],
                "rows": page.rows,
            }
        )
    html = await datasette.render_template(
        "pages/across.html",
        {
            "page": page,
            "kb_static": lambda path: _static(datasette, path),
            "row_url": lambda database, table, pk: str(datasette.urls.row(database, table, pk)),
            "query": _query_string,
        },
        request=request,
        view_name="kb-across",
    )
    return Response.html(html)


_DB = r"(?P<database>[^/.]+)"
_OVERVIEWS: dict[tuple[str, str, int, int], Any] = {}


def _file_version(database: str, db: Any) -> tuple[str, str, int, int] | None:
    try:
        stat = Path(db.path).stat()
    except (OSError, TypeError):
        return None
    return database, str(db.path), stat.st_size, stat.st_mtime_ns


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (rf"^/{_DB}/indicators/(?P<pks>\d+)$", indicator_page),
        (rf"^/{_DB}/projects/(?P<pks>\d+)$", project_page),
        (rf"^/{_DB}/indicator_families/(?P<pks>\d+)$", family_page),
        (rf"^/{_DB}/-/families$", families_page),
        (rf"^/{_DB}/-/findings$", findings_page),
        (rf"^/{_DB}/-/rules$", rules_page),
        (r"^/-/kb/search(?P<format>\.json)?$", across_page),
        (rf"^{STATIC_ROUTE}(?P<path>.*)$", asgi_static(str(STATIC))),
    ]


@hookimpl
def extra_template_vars(template: str, database: str | None, view_name: str, request: Any, datasette: Any) -> Any:
    """The overview's data, for the database page of a knowledge base; the style sheets' address for the home page."""
    if view_name == "index":
        return {"kb_static": lambda path: _static(datasette, path)}
    if view_name != "database" or not database or not _DATABASE_PAGE.fullmatch(template or ""):
        return {}

    async def overview() -> dict[str, Any]:
        db = await _knowledge_base(datasette, database)
        if db is None:
            return {}
        # An immutable database (kb serve opens it so) does not change while served: count once per file version
        # (its size and time, not Datasette's hash, which reads the whole file).
        key = _file_version(database, db) if not db.is_mutable else None
        data = _OVERVIEWS.get(key) if key else None
        if data is None:
            data = await db.execute_fn(load_overview)
            if key:
                _OVERVIEWS[key] = data
        urls = datasette.urls
        return {
            "kb_overview": data,
            "kb_static": lambda path: _static(datasette, path),
            "tojson_script": _json_script,
            "kb_pages": {
                "findings": urls.database(database) + "/-/findings",
                "families": urls.database(database) + "/-/families",
                "rules": urls.database(database) + "/-/rules",
                "indicators": urls.table(database, "indicators"),
                "projects": urls.table(database, "projects"),
                "documents": urls.table(database, "documents"),
                "departments": urls.table(database, "departments"),
            },
            "link": _linker(datasette, database),
        }

    return overview
