package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"onramp.dev/infra/background"
)

// Handing memory back while idle. The collector keeps the heap up to GOGC % above what is
// live, and the runtime keeps what it freed as a reserve for the next burst; after a burst
// of work (a restart's replay, an import, a report of everyone) a quiet portal would hold
// that memory for ever. Once the process has been quiet for a whole check — it allocated
// less than idleAllocs in idleCheck — after allocating more than that since the last hand
// back, or while holding more than that free (memory something let go of, such as the
// embedded NATS server's per-block subject indexes, which it drops two minutes after a
// start or a burst read them), it collects and returns every free page to the system
// (debug.FreeOSMemory, which costs one collection: well under a second at 10,000 staff,
// and only once per quiet spell).
const (
	idleCheck  = 10 * time.Second
	idleAllocs = 32 << 20 // bytes allocated in a check below which the process counts as quiet
)

// handBackWhenIdle runs until ctx is done.
func handBackWhenIdle(ctx context.Context) {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/memory/classes/heap/free:bytes"}}
	read := func() (allocated, free uint64) {
		metrics.Read(sample)
		return sample[0].Value.Uint64(), sample[1].Value.Uint64()
	}
	last, _ := read()
	handedBack := last
	background.Every(ctx, idleCheck, func(context.Context) {
		now, free := read()
		quiet := now-last < idleAllocs
		last = now
		if quiet && (now-handedBack >= idleAllocs || free >= idleAllocs) {
			debug.FreeOSMemory()
			handedBack, _ = read()
			last = handedBack
		}
	})
}
