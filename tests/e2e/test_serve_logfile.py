# SPDX-License-Identifier: Apache-2.0
"""test_serve_logfile.py -- the serve tests read a server's output while it
writes (serve_client.log_file). The child's stdout shares the test's file
offset; with a file opened "w+" a test's seek(0) made the server's next
line overwrite the start of the file, and a read could start inside a
character (UnicodeDecodeError in e2e_test_serve_ops under ASan, session 16).
A child writing Japanese lines while the test seeks and reads must leave
every line in place and every read decodable."""

import os
import subprocess
import sys
import tempfile
import unittest

import serve_client as S

CHILD = ("import sys\n"
         "for i in range(3000):\n"
         "    sys.stdout.write('サーバー: 再読み込み %d\\n' % i)\n"
         "    sys.stdout.flush()\n")


class LogFileTest(unittest.TestCase):
    def test_reads_while_the_child_writes_lose_nothing(self):
        with tempfile.TemporaryDirectory(prefix="azk-log-") as d:
            path = os.path.join(d, "serve.out")
            out = S.log_file(path)
            child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=out)
            reads = 0
            while child.poll() is None:
                out.seek(0)
                out.read()  # raises UnicodeDecodeError if a read is cut
                reads += 1
            child.wait()
            out.seek(0)
            text = out.read()
            out.close()
            self.assertEqual(child.returncode, 0)
            self.assertGreater(reads, 0)
            lines = text.splitlines()
            self.assertEqual(len(lines), 3000)
            self.assertEqual(lines, ["サーバー: 再読み込み %d" % i for i in range(3000)])


if __name__ == "__main__":
    unittest.main()
