// Package pgwire benchmarks bedrock's protocol/pgwire against pgx v5's
// pgproto3 decoding the same PostgreSQL query result: a RowDescription,
// many DataRows of several column types, a CommandComplete and a
// ReadyForQuery, replayed from memory. Both read the bytes through an
// io.Reader into their own buffers and touch every value the same way:
//
//   - impl=bedrock: reader.FromIO into a pipe, read by the client itself,
//     the runs of DataRows with a pgwire.RowScanner's Rows loop (each
//     row's values from Row.Values, checked as they are read) and the
//     other messages (and the large rows a segment edge cuts) with a
//     pgwire.BackendReader;
//   - impl=bedrock-reader: the same pipe read message by message with
//     protocol.Reader and pgwire.BackendReader, each DataRow's values
//     with DecodeDataRow and DataRow.Row's Values iterator;
//   - impl=pgproto3: Frontend.Receive.
//
// Compare with
//
//	go test -run '^$' -bench . -benchmem -count 6 ./pgwire/ | benchstat -col /impl -
package pgwire
