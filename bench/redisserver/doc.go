// Package redisserver benchmarks the example Redis-compatible server
// (examples/redisserver, on the netpoll transport) against a real
// redis-server under the same redis-benchmark load, at pipeline depths 1
// and 16. The comparison runs only with REDIS_BENCH=1; see README.md.
package redisserver
