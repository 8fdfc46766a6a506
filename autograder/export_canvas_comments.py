"""Feedback into Canvas: one submission comment per student and lesson, with the score
breakdown and the feedback page attached.

Two ways, both from the roster Canvas exports (the assignment id is in each lesson column's
title, the user id in the ID column):

- a bundle (`--bundle DIR`): DIR/comments.csv (user id, student, assignment id, lesson, the
  comment, the attached file) and the pages under DIR/files/, to read before sending or to
  paste in SpeedGrader;
- the Canvas REST API (`--url https://canvas.example.edu --course 1234`, the instructor's
  access token in the environment variable CANVAS_TOKEN, or the one --token-env names):
  for each comment, the three-step file upload of
  `POST /api/v1/courses/:course/assignments/:assignment/submissions/:user/comments/files`
  (the upload itself goes without the token: its URL may be another host), then
  `PUT /api/v1/courses/:course/assignments/:assignment/submissions/:user` with
  `comment[text_comment]` and `comment[file_ids][]`.
"""

import csv
import json
import shutil
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from autograder.export_canvas import assignment_id, lesson_title, match_roster
from autograder.export_feedback import comment_text, feedback_page, read_results
from autograder.export_grades import is_late


@dataclass
class Comment:
    user_id: str
    assignment_id: str
    student: str
    lesson: str
    text: str
    page: Path | None


def canvas_comments(output_dir, roster, mapping=None, due=None):
    """(comments, summary): one Comment per rostered student and exported lesson."""
    grades, _, _, _, columns, matched, summary = match_roster(output_dir, roster, mapping)
    recorded, comments = read_results(output_dir), []
    for user_id, student in matched.items():
        for lesson, column in columns.items():
            row = grades.get((student, lesson))
            if row is None:
                continue
            text = comment_text(row, lesson_title(lesson), recorded, is_late(row, due))
            comments.append(Comment(user_id, assignment_id(column), student, lesson, text,
                                    feedback_page(output_dir, student, lesson)))
    summary.written = len(comments)
    return comments, summary


def write_bundle(comments, folder):
    """DIR/comments.csv and DIR/files/<user id>/<assignment id>/<lesson>.html."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "comments.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["user_id", "student", "assignment_id", "lesson", "comment", "file"])
        for comment in comments:
            attached = ""
            if comment.page is not None:
                relative = (Path("files") / comment.user_id / comment.assignment_id
                            / comment.page.name)
                (folder / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(comment.page, folder / relative)
                attached = relative.as_posix()
            writer.writerow([comment.user_id, comment.student, comment.assignment_id,
                             comment.lesson, comment.text, attached])
    return folder / "comments.csv"


class CanvasAPI:
    """The few Canvas REST calls a submission comment needs, with urllib only."""

    def __init__(self, url, course, token, timeout=60):
        if not token:
            raise ValueError("no Canvas access token: create one in Canvas (Account → "
                             "Settings → New access token) and put it in CANVAS_TOKEN")
        self.base, self.course, self.token, self.timeout = url.rstrip("/"), course, token, timeout

    def _send(self, method, url, data=None, headers=None, token=True):
        request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        if token:
            request.add_header("Authorization", f"Bearer {self.token}")
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            if 300 <= error.code < 400:
                return error.code, dict(error.headers), b""
            raise ValueError(f"Canvas answered {error.code} to {method} {url}: "
                             f"{error.read()[:300].decode('utf-8', 'replace')}") from None

    def _submission(self, comment):
        return (f"{self.base}/api/v1/courses/{self.course}/assignments/"
                f"{comment.assignment_id}/submissions/{comment.user_id}")

    def upload(self, comment):
        """The three steps of Canvas' file upload; returns the new file's id."""
        page = Path(comment.page)
        form = urllib.parse.urlencode({"name": page.name, "size": page.stat().st_size,
                                       "content_type": "text/html"}).encode()
        _, _, body = self._send("POST", self._submission(comment) + "/comments/files", form,
                                {"Content-Type": "application/x-www-form-urlencoded"})
        ticket = json.loads(body)
        boundary = uuid.uuid4().hex
        data = _multipart(boundary, ticket.get("upload_params", {}), page)
        status, headers, body = self._send(
            "POST", ticket["upload_url"], data,
            {"Content-Type": f"multipart/form-data; boundary={boundary}"}, token=False)
        if 300 <= status < 400:  # confirm the upload where Canvas says, with the token
            _, _, body = self._send("GET", urllib.parse.urljoin(ticket["upload_url"],
                                                                headers["Location"]))
        return json.loads(body)["id"]

    def comment(self, comment):
        """Post the comment (and its page) on the student's submission."""
        fields = [("comment[text_comment]", comment.text)]
        if comment.page is not None:
            fields.append(("comment[file_ids][]", str(self.upload(comment))))
        self._send("PUT", self._submission(comment), urllib.parse.urlencode(fields).encode(),
                   {"Content-Type": "application/x-www-form-urlencoded"})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answered, not followed: the upload's confirmation needs the token."""

    def redirect_request(self, *args, **kwargs):
        return None


def _multipart(boundary, params, page):
    """multipart/form-data: Canvas' upload_params first, the file last (as Canvas requires)."""
    parts = []
    for name, value in params.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{page.name}"\r\nContent-Type: text/html\r\n\r\n'.encode()
                 + page.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


def send_comments(comments, api):
    """Post every comment; returns the number sent (stops at the first refusal)."""
    for count, comment in enumerate(comments):
        try:
            api.comment(comment)
        except (ValueError, OSError) as error:
            raise ValueError(f"sent {count} of {len(comments)} comments; then "
                             f"{comment.student}/{comment.lesson}: {error}") from None
    return len(comments)
