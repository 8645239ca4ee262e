//! A Docker Distribution registry for tests (filled in with the publish work).
