package rvps

import "sync"

// maxCachedRecords caps the decoded records kept. Only stored records are
// cached, so the cap is only reached by a store holding more reference
// values than that; the cache then starts over rather than grow.
const maxCachedRecords = 4096

// recordCache keeps each reference value's last decoded record with the
// exact bytes it was decoded from. Every query still reads the store and
// a record is only reused when the stored bytes are identical, so a value
// replaced here or by another replica is never served stale, and since
// the expiration is part of those bytes it is still checked per query.
type recordCache struct {
	mu      sync.RWMutex
	records map[string]cachedRecord // by reference value id
}

type cachedRecord struct {
	raw string
	rv  referenceValue
}

// decode returns the reference value stored as record under id.
func (c *recordCache) decode(id string, record []byte) (referenceValue, error) {
	c.mu.RLock()
	cached, ok := c.records[id]
	c.mu.RUnlock()
	if ok && cached.raw == string(record) {
		return cached.rv, nil
	}
	rv, err := decodeReferenceValue(record)
	if err != nil {
		return referenceValue{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, known := c.records[id]; !known && len(c.records) >= maxCachedRecords {
		clear(c.records)
	}
	if c.records == nil {
		c.records = make(map[string]cachedRecord)
	}
	c.records[id] = cachedRecord{raw: string(record), rv: rv}
	return rv, nil
}
