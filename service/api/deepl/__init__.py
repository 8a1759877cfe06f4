"""A DeepL API v2 compatible surface, so existing DeepL clients work by changing the URL."""
