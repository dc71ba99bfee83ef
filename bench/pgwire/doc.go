// Package pgwire benchmarks bedrock's protocol/pgwire against pgx v5's
// pgproto3 decoding the same PostgreSQL query result: a RowDescription,
// many DataRows of several column types, a CommandComplete and a
// ReadyForQuery, replayed from memory. Both read the bytes through an
// io.Reader into their own buffers (bedrock: reader.FromIO into a pipe,
// parsed with protocol.Reader and pgwire.BackendReader; pgproto3:
// Frontend.Receive), and both touch every value the same way. Compare with
//
//	go test -run '^$' -bench . -benchmem -count 6 ./pgwire/ | benchstat -col /impl -
package pgwire
