"""Import the SDK once, and decide once how its import-time warnings are shown.

Two libraries warn when they are imported, with text that varies by machine
and by date, which would make every notebook's first output differ under
nbval:

* ``google.generativeai`` says that Google no longer supports it. Its text is
  kept in :data:`SDK_NOTICE`; notebook ``00_setup`` prints it once and explains it.
* ``google.api_core`` says that it will drop the running Python version (from a
  date on, for each Python version). It is not about this series: it is hidden.

``helpers/__init__.py`` imports this module before anything else, so no other
import can trigger these warnings first.
"""

from __future__ import annotations

import warnings
from typing import Any

#: The deprecation notice ``google.generativeai`` gave when it was imported.
SDK_NOTICE: list[str] = []

warnings.filterwarnings("ignore", category=FutureWarning, module=r"google\.api_core\._python_version_support")


def import_sdk() -> Any:
    """``import google.generativeai``, keeping its deprecation notice for display."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FutureWarning)
        import google.generativeai as genai
    if not SDK_NOTICE:
        SDK_NOTICE.extend(str(w.message) for w in caught if "generativeai" in str(w.message))
    return genai


def sdk_notice() -> str:
    """The SDK's deprecation notice, as it printed it on import (shown in 00_setup)."""
    return SDK_NOTICE[0].strip() if SDK_NOTICE else "(google.generativeai printed no deprecation notice)"


import_sdk()
