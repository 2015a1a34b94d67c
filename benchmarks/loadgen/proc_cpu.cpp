#include "proc_cpu.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

double process_cpu_seconds(int pid) {
  if (pid <= 0) return -1;
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return -1;
  char line[1024];
  size_t n = std::fread(line, 1, sizeof line - 1, file);
  std::fclose(file);
  line[n] = '\0';
  // The command name may contain spaces: fields are counted after its ')'.
  char* cursor = std::strrchr(line, ')');
  if (!cursor) return -1;
  cursor += 2;  // now at field 3 (state)
  unsigned long long utime = 0, stime = 0;
  for (int field = 3; field <= 15 && *cursor; ++field) {
    char* end = std::strchr(cursor, ' ');
    if (field == 14) utime = std::strtoull(cursor, nullptr, 10);
    if (field == 15) stime = std::strtoull(cursor, nullptr, 10);
    if (!end) break;
    cursor = end + 1;
  }
  return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}
