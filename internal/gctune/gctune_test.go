package gctune

import (
	"runtime/debug"
	"testing"
)

func TestPercent(t *testing.T) {
	for _, tt := range []struct {
		live uint64
		want int
	}{
		{0, 1000},
		{1 << 20, 1000}, // 1 MiB live: as far as allowed
		{8 << 20, 700},  // 8 MiB: the next collection at 64 MiB
		{32 << 20, 100}, // 32 MiB: 64 MiB is Go's own pace
		{1 << 30, 100},  // a large corpus: never below the default
	} {
		if got := Percent(tt.live); got != tt.want {
			t.Errorf("Percent(%d) = %d, want %d", tt.live, got, tt.want)
		}
	}
}

func TestAdjustLeavesGOGCAlone(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	if p := Adjust(func(k string) string {
		if k == "GOGC" {
			return "50"
		}
		return ""
	}); p != 0 || debug.SetGCPercent(100) != 100 {
		t.Errorf("GOGC set by the operator was overridden (%d)", p)
	}
	if p := Adjust(func(string) string { return "" }); p < 100 || debug.SetGCPercent(100) != p {
		t.Errorf("Adjust set %d", p)
	}
}
