"""The series' infrastructure: nothing a learner needs to read or call.

* ``sdk``: imports the SDKs once and decides how their import-time warnings show.
* ``recording``: record and replay of the SDKs' HTTP calls (vcrpy cassettes).
* ``errors``: turns what goes wrong into a message that says what to do next.
* ``retry``: bounded retries for ``google-generativeai``.
* ``standin``: a local stand-in for the Gemini REST API (tests, authoring, offline workshops).
* ``refresh``: re-record cassettes and re-execute notebooks (``python -m helpers``).
* ``project``: the repository's address, badges and the Colab first cell.
* ``editions``: the English and Chinese notebook folders, and what keeps the twins in step.
* ``i18n``: the learner's language, and ``tr()``, which shows every message from ``helpers/locale/``.
"""
