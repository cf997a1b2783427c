// Package procmem reads the peak resident memory of a process from Linux's
// /proc.
//
// It reads VmHWM (the high-water mark of the process's address space) and
// not the ru_maxrss that wait4 reports: a child started by Go's os/exec is
// cloned with the parent's address space (CLONE_VM|CLONE_VFORK), and at
// exec the kernel folds that address space's high-water mark into the
// child's ru_maxrss, so every child would report at least its parent's peak.
package procmem

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// PeakRSS returns the peak resident memory of process pid (0: this
// process) so far, in bytes.
func PeakRSS(pid int) (int64, error) {
	name := "/proc/self/status"
	if pid != 0 {
		name = fmt.Sprintf("/proc/%d/status", pid)
	}
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: VmHWM %q: %w", name, rest, err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no VmHWM", name)
}

// Watch samples the peak resident memory of process pid every interval
// until ctx is done, and returns the largest value seen. The high-water
// mark only grows, so the last sample before the process exits is its peak
// up to that moment.
func Watch(ctx context.Context, pid int, interval time.Duration) int64 {
	var peak int64
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if rss, err := PeakRSS(pid); err == nil {
			peak = max(peak, rss)
		}
		select {
		case <-ctx.Done():
			return peak
		case <-t.C:
		}
	}
}
