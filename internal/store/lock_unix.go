//go:build unix

package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockWait bounds how long Lock waits for another process.
const lockWait = 10 * time.Second

// Lock takes the store's lock, shared by every process using the
// directory, and returns the function that releases it. Changes made
// under it (choosing an id, checking for duplicates, writing) are atomic
// with respect to other processes. The lock is released when the process
// dies, so a crash never leaves it held. It returns ErrBusy (wrapped)
// when another process holds the lock for longer than ctx allows or ten
// seconds, and ctx's error when ctx ends first.
func (s *Store) Lock(ctx context.Context) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(s.dir, lockName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock document store: %w", err)
	}
	deadline := time.Now().Add(lockWait)
	wait := time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = f.Close()
			return nil, fmt.Errorf("lock document store: %w", err)
		}
		if time.Now().After(deadline) {
			_ = f.Close()
			return nil, fmt.Errorf("lock document store: %w", ErrBusy)
		}
		// Another process is writing a document, which takes
		// milliseconds: poll.
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}
