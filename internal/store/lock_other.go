//go:build !unix

package store

import "context"

// Lock serialises changes within this process only: on this platform the
// store assumes it has one writer process.
func (s *Store) Lock(ctx context.Context) (unlock func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	return s.mu.Unlock, nil
}
