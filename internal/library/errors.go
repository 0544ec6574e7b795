package library

import "fmt"

// Kind says what sort of problem an *Error is, so that callers can choose
// how to show it (an HTTP status, an exit code, a Discord reply) without
// reading its message.
type Kind int

// The kinds of *Error.
const (
	Invalid   Kind = iota + 1 // the upload or an option is not acceptable
	Duplicate                 // the same content is already in the corpus
	NotFound                  // no such document (visible to this server)
	TooLarge                  // the upload is over MaxUploadBytes
	Busy                      // another process holds what is needed; try again later
	Forbidden                 // the document cannot be changed (a shipped seed)
)

// String names the kind, for logs.
func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case Duplicate:
		return "duplicate"
	case NotFound:
		return "not found"
	case TooLarge:
		return "too large"
	case Busy:
		return "busy"
	case Forbidden:
		return "forbidden"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is a problem to show the user as is: Msg is one or more complete
// sentences that say what is wrong and, where it helps, what to do; it
// holds no secrets and no internals. Errors of any other type returned by
// this package are unexpected: log them and tell the user "internal
// error".
type Error struct {
	Kind Kind
	Msg  string
}

// Error returns Msg.
func (e *Error) Error() string { return e.Msg }

func userErr(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}
