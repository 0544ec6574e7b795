//go:build !unix

package bot_test

import "time"

// cpuTime is unknown here: the load tests report no CPU per request.
func cpuTime() time.Duration { return 0 }
