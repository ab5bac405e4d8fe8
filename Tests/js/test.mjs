// Entry point for `node --test Tests/js/`: when given a directory, Node 20's
// runner only picks up names like test.mjs or test-*.mjs, so the underscore
// test files used by this project are imported from here.
import './test_sha256.mjs';
import './test_humancheck.mjs';
