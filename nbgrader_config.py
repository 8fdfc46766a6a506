"""nbgrader configuration for CNN Foundations.

nbgrader reads this file from the directory it runs in, so the course root is
the repository root. Instructor sources live in solutions/, the generated
student versions in lessons/ (run `make release`).
"""

c = get_config()  # noqa: F821  (provided by nbgrader/traitlets)

c.CourseDirectory.course_id = "cnn-foundations"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "lessons"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# Student versions: the stub a learner sees where the solution was.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Notebooks are stored without outputs; the release must be deterministic.
c.ClearOutput.enabled = True
c.ClearOutputPreprocessor.enabled = True
c.GenerateAssignment.create_assignment = True

# Autograding runs the whole notebook; a lesson must fit its budget.
c.ExecutePreprocessor.timeout = 120
c.Execute.timeout = 120
