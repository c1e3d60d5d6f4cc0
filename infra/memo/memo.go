// Package memo keeps the results of expensive reads of a read model — a whole report's
// sorted rows and totals, someone's task queue — until the model they were computed from
// changes, so that paging through them costs a page, not the whole computation, each time.
package memo

import "sync"

// Cache holds results by key, all computed at one version of the state behind them. A
// different version drops them all.
type Cache[V any] struct {
	mu      sync.Mutex
	version string
	entries map[string]V
	max     int
}

// New returns a cache of at most max results.
func New[V any](max int) *Cache[V] {
	return &Cache[V]{entries: map[string]V{}, max: max}
}

// Get returns the result for key at version, computing it with compute (outside the lock)
// when there is none. The caller reads version before anything compute reads, so a result
// computed while the state moved on is kept under the older version and never served for
// the newer one.
func (c *Cache[V]) Get(version, key string, compute func() V) V {
	c.mu.Lock()
	if c.version == version {
		if v, ok := c.entries[key]; ok {
			c.mu.Unlock()
			return v
		}
	}
	c.mu.Unlock()
	v := compute()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		c.version, c.entries = version, map[string]V{}
	}
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[key] = v
	return v
}
