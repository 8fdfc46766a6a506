"""Interactive widgets of the lessons: plain logic functions plus a show_<name>() each."""
