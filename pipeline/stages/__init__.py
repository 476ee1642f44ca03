"""The stages of a night, one module each, every one a plain `run(ctx, shard=None)`:

    plan      check the config, discover and fetch, cut every source into shards   (once)
    extract   read, extract, clean and sign each document                          (per shard)
    dedup     exact copies rejected, near-duplicates clustered, against the batch
              and the stored warehouse                                             (once)
    enrich    entities and quotes                                                  (per shard)
    validate  Great Expectations suites; failing rows to rejects                   (once)
    publish   atomic swap of the night's partitions; `runs` row                    (once)

They hand their work to each other through the run's `Staging` area (`context.py`), so the same
calls run back to back in one process, in a pool of processes (`pipeline.run`), or as Airflow
tasks on different workers (`dags/broadsheet_nightly.py`).
"""
