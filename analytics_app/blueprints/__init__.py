"""One blueprint per audience: api (JSON), auth (login/logout), pages (dashboard), health."""
