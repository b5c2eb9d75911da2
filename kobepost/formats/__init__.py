"""Date formats per language (FORMAT_MODULE_PATH): templates say ``date:"DATE_FORMAT"`` and
each language writes dates its own way (2026年4月7日 / Apr. 7, 2026) instead of a Japanese
pattern written into the template."""
