//go:build unix

package library

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// tryLockIndex takes the lock file at path without waiting and returns the
// function releasing it, or ok false when another process holds it. The
// process that owns the index directory holds it from Open to Close, a
// rebuild's swap included: bleve's own lock is released while the
// directories are renamed, and a process starting in that moment must not
// take the index (nor remove the rebuild it takes for a crash's leftover).
func tryLockIndex(path string) (unlock func(), ok bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("lock index: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	switch {
	case err == nil:
		return func() {
			_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			_ = f.Close()
		}, true, nil
	case errors.Is(err, syscall.EWOULDBLOCK):
		_ = f.Close()
		return nil, false, nil
	default:
		_ = f.Close()
		return nil, false, fmt.Errorf("lock index: %w", err)
	}
}
