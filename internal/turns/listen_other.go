//go:build !linux

package turns

import "net"

// Listen returns ln: the kernel's receive time is read on Linux only, and
// elsewhere a request's place in line is the time its handler starts.
func Listen(ln net.Listener) net.Listener { return ln }
