"""An Overpass API interpreter: `GET /api/interpreter?data=<Overpass QL>`, answered in JSON.

It does not run the query; it checks the query asks for JSON, as `[out:json]` does, and returns
the elements the demo's query would find (tagged or named for ketamine), in Overpass's own
response shape. A query without `[out:json]` gets the HTML error page Overpass sends with a 400.
"""

import json

from werkzeug.wrappers import Request, Response

from localweb.paths import load_json
from localweb.site import Handler, Site

BAD_REQUEST = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"
    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head>
  <meta http-equiv="content-type" content="text/html; charset=utf-8" lang="en"/>
  <title>OSM3S Response</title>
</head>
<body>
<p><strong style="color:#FF0000">Error</strong>: line 1: parse error: {problem} </p>
</body>
</html>
"""


def interpreter(site: Site, request: Request) -> Response:
    """Answer one query."""
    query = request.args.get("data", "")
    if not query.strip():
        return _bad_request("no query given")
    if "[out:json]" not in query.replace(" ", ""):
        return _bad_request("this interpreter answers [out:json] queries only")
    return Response(json.dumps(load_json("overpass/interpreter.json")), mimetype="application/json")


def _bad_request(problem: str) -> Response:
    return Response(BAD_REQUEST.format(problem=problem), status=400, mimetype="text/html")


ROUTES: dict[str, Handler] = {"/api/interpreter": interpreter}
