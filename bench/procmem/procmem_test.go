package procmem

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestPeakRSS(t *testing.T) {
	self, err := PeakRSS(0)
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	if self <= 0 {
		t.Fatalf("PeakRSS(0) = %d, want > 0", self)
	}
	if byPid, err := PeakRSS(os.Getpid()); err != nil || byPid < self {
		t.Errorf("PeakRSS(own pid) = %d, %v; want at least %d", byPid, err, self)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if w := Watch(ctx, os.Getpid(), 10*time.Millisecond); w < self {
		t.Errorf("Watch = %d, want at least %d", w, self)
	}
}
