// Package gctune sets the garbage collector's pace for a server whose live
// heap is small. With Go's default (GOGC=100) a bot holding a few MiB
// collects every few milliseconds under a burst of questions, and those
// collections are most of its tail latency; letting the heap grow to
// MinHeap before collecting costs a few tens of MiB and removes them. As
// the live heap grows (a large corpus), the pace returns to the default.
package gctune

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// MinHeap is the heap below which collecting is not worth its pauses.
const MinHeap = 64 << 20

// Bounds of the percentage set.
const (
	minPercent = 100 // Go's default: never collect more often than it would
	maxPercent = 1000
)

// Percent is the GOGC percentage that lets a heap of live bytes grow to
// MinHeap before the next collection, within [100, 1000].
func Percent(live uint64) int {
	if live == 0 {
		return maxPercent
	}
	p := int((MinHeap*100)/live) - 100
	return min(max(p, minPercent), maxPercent)
}

// liveHeap is the heap the last collection found live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// Adjust sets the collector's percentage for the live heap now and returns
// it; it leaves the collector alone, returning 0, when getenv("GOGC") is
// set (the operator's choice wins).
func Adjust(getenv func(string) string) int {
	if getenv("GOGC") != "" {
		return 0
	}
	p := Percent(liveHeap())
	debug.SetGCPercent(p)
	return p
}

// Run adjusts the percentage every interval, as documents come and go,
// until ctx ends.
func Run(ctx context.Context, getenv func(string) string, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		Adjust(getenv)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
