// CPU time accounting. The server's CPU per message is the headline number:
// on two cores the load generator may saturate before a fast server does,
// so throughput alone would hide the difference.
#pragma once

// utime + stime of all threads of `pid` in seconds (from /proc/<pid>/stat),
// or a negative value if it cannot be read.
double process_cpu_seconds(int pid);

// CPU seconds used by this process so far (getrusage).
double own_cpu_seconds();
