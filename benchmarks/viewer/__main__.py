from benchmarks.viewer.bench import main

main()
