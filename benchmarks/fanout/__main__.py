from benchmarks.fanout.bench import main

main()
