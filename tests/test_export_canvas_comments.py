"""Feedback back through Canvas: the comments bundle, and the REST calls checked by a fake
Canvas on 127.0.0.1 (no network): the token on every API call and never on the upload, the
three-step file upload (ticket, multipart upload answered by a redirect, confirmation),
then the comment with the file id on the right course, assignment and user."""

import csv
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from autograder.export import main
from tests.test_export_lms import CANVAS_ROWS, DENSE, canvas_roster, write_output

TOKEN = "secret-token-123"
RESULTS = [("garcíajosé_34567", DENSE, {"test_dense_forward": [7.5, 8], "written_gap": [0, 2]})]


class FakeCanvas(BaseHTTPRequestHandler):
    """Answers as Canvas does and records (method, path, token, body) of every request."""

    calls = []

    def log_message(self, *args):
        pass

    def _record(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.calls.append((self.command, self.path, self.headers.get("Authorization"), body,
                           self.headers.get("Content-Type", "")))
        return body

    def _json(self, status, payload, headers=()):
        data = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        self._record()
        if self.path.endswith("/comments/files"):
            host = f"http://127.0.0.1:{self.server.server_port}"
            self._json(200, {"upload_url": f"{host}/files_upload",
                             "upload_params": {"key": "abc/feedback.html"}})
        elif self.path == "/files_upload":
            self._json(302, {}, [("Location", "/api/v1/files/55/create_success?uuid=u1")])
        else:
            self._json(404, {})

    def do_GET(self):
        self._record()
        self._json(200, {"id": 55} if "create_success" in self.path else {})

    def do_PUT(self):
        self._record()
        self._json(200, {"id": 1})


@pytest.fixture
def canvas():
    FakeCanvas.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeCanvas)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", FakeCanvas.calls
    server.shutdown()
    server.server_close()


def test_canvas_comments_bundle(tmp_path):
    """comments.csv: each rostered student's comment with the breakdown, and their page."""
    output = write_output(tmp_path / "out", CANVAS_ROWS, RESULTS)
    roster = canvas_roster(tmp_path / "roster.csv")
    assert main(["canvas-comments", str(output), "--roster", str(roster),
                 "--bundle", str(tmp_path / "bundle"), "--allow-unmatched"]) == 0
    with open(tmp_path / "bundle" / "comments.csv", newline="", encoding="utf-8") as stream:
        rows = {row["student"]: row for row in csv.DictReader(stream)}
    assert set(rows) == {"garcíajosé_34567", "øbergåsa_45678"}  # zhangwei is not on the roster
    jose = rows["garcíajosé_34567"]
    assert (jose["user_id"], jose["assignment_id"]) == ("34567", "4501")
    assert "7.5 / 10" in jose["comment"] and "test_dense_forward: 7.5 / 8" in jose["comment"]
    assert "Submitted late." in jose["comment"]
    assert "still to be graded by hand" in rows["øbergåsa_45678"]["comment"]
    page = tmp_path / "bundle" / jose["file"]
    assert page.read_text(encoding="utf-8").endswith(
        "feedback for garcíajosé_34567</body></html>")


def test_canvas_comments_through_the_api(tmp_path, canvas, monkeypatch):
    url, calls = canvas
    output = write_output(tmp_path / "out", CANVAS_ROWS[:1], RESULTS)
    roster = canvas_roster(tmp_path / "roster.csv")
    monkeypatch.setenv("CANVAS_TOKEN", TOKEN)
    assert main(["canvas-comments", str(output), "--roster", str(roster), "--url", url,
                 "--course", "77"]) == 0
    submission = "/api/v1/courses/77/assignments/4501/submissions/34567"
    assert [(method, path.split("?")[0]) for method, path, *_ in calls] == [
        ("POST", submission + "/comments/files"), ("POST", "/files_upload"),
        ("GET", "/api/v1/files/55/create_success"), ("PUT", submission)]
    tokens = [token for _, _, token, _, _ in calls]
    assert tokens == [f"Bearer {TOKEN}", None, f"Bearer {TOKEN}", f"Bearer {TOKEN}"]
    ticket = urllib.parse.parse_qs(calls[0][3].decode())
    assert ticket["name"] == [f"{DENSE}.html"] and ticket["content_type"] == ["text/html"]
    upload, content_type = calls[1][3], calls[1][4]
    assert content_type.startswith("multipart/form-data; boundary=")
    assert upload.index(b'name="key"') < upload.index(b'name="file"')  # params, then the file
    assert "feedback for garcíajosé_34567".encode() in upload
    assert int(ticket["size"][0]) == len("<html><body>feedback for garcíajosé_34567"
                                         "</body></html>".encode())
    comment = urllib.parse.parse_qs(calls[3][3].decode())
    assert comment["comment[file_ids][]"] == ["55"]
    assert "7.5 / 10" in comment["comment[text_comment]"][0]


def test_canvas_comments_need_a_token(tmp_path, canvas, monkeypatch, capsys):
    url, calls = canvas
    output = write_output(tmp_path / "out", CANVAS_ROWS[:1], RESULTS)
    monkeypatch.delenv("CANVAS_TOKEN", raising=False)
    assert main(["canvas-comments", str(output), "--roster",
                 str(canvas_roster(tmp_path / "r.csv")), "--url", url, "--course", "77"]) == 2
    assert "CANVAS_TOKEN" in capsys.readouterr().err and calls == []
