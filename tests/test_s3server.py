"""The S3 test server: a real HTTP object store that pyarrow, boto3 and delta-rs reach from any process."""
import subprocess
import sys
import textwrap

import pyarrow as pa


def test_pyarrow_writes_and_reads_an_object_over_http(s3_server):
    fs = s3_server.filesystem()
    key = f"{s3_server.bucket}/probe/hello.txt"
    with fs.open_output_stream(key) as out:
        out.write(b"written by pyarrow")
    with fs.open_input_stream(key) as stream:
        assert stream.read() == b"written by pyarrow"
    # another client, another protocol stack: the object really is in the server process
    body = s3_server.client().get_object(Bucket=s3_server.bucket, Key="probe/hello.txt")["Body"].read()
    assert body == b"written by pyarrow"
    assert "PUT /" + key in s3_server.log_path.read_text()


def _in_subprocess(s3_server, code: str) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter that knows the store only through the AWS_* environment."""
    env = {"PATH": "/usr/bin:/bin", **s3_server.env}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True,
                          text=True, timeout=120)


def test_another_process_writes_a_delta_table_from_the_environment_alone(s3_server):
    uri = s3_server.uri("tests", "delta_env")
    result = _in_subprocess(s3_server, f"""
        import pyarrow as pa
        from deltalake import write_deltalake
        write_deltalake({uri!r}, pa.table({{"id": [1, 2, 3], "word": ["a", "b", "c"]}}))
        write_deltalake({uri!r}, pa.table({{"id": [4], "word": ["d"]}}), mode="append")
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    from deltalake import DeltaTable
    table = DeltaTable(uri, storage_options=s3_server.storage_options)
    assert table.version() == 1
    assert sorted(table.to_pyarrow_table().to_pylist(), key=lambda r: r["id"]) == [
        {"id": 1, "word": "a"}, {"id": 2, "word": "b"}, {"id": 3, "word": "c"}, {"id": 4, "word": "d"}]
    keys = {o["Key"] for o in s3_server.client().list_objects_v2(Bucket=s3_server.bucket,
                                                                 Prefix="tests/delta_env/_delta_log/")["Contents"]}
    assert {"tests/delta_env/_delta_log/00000000000000000000.json",
            "tests/delta_env/_delta_log/00000000000000000001.json"} <= keys


def test_concurrent_delta_commits_from_several_processes_lose_nothing(s3_server):
    """Writers racing for the same log version: one wins, the others see 412 and retry (no lock needed)."""
    from deltalake import DeltaTable, write_deltalake
    uri = s3_server.uri("tests", "delta_race")
    write_deltalake(uri, pa.table({"writer": ["init"], "n": [0]}), storage_options=s3_server.storage_options)
    writers, commits = 3, 8
    code = textwrap.dedent(f"""
        import sys
        import pyarrow as pa
        from deltalake import write_deltalake
        for n in range({commits}):
            write_deltalake({uri!r}, pa.table({{"writer": [sys.argv[1]], "n": [n]}}), mode="append")
    """)
    env = {"PATH": "/usr/bin:/bin", **s3_server.env}
    procs = [subprocess.Popen([sys.executable, "-c", code, f"w{i}"], env=env, stderr=subprocess.PIPE, text=True)
             for i in range(writers)]
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err[-3000:]
    table = DeltaTable(uri, storage_options=s3_server.storage_options)
    assert table.version() == writers * commits
    rows = {(r["writer"], r["n"]) for r in table.to_pyarrow_table().to_pylist()}
    assert rows == {("init", 0)} | {(f"w{i}", n) for i in range(writers) for n in range(commits)}
