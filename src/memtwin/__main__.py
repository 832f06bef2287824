from memtwin.cli.app import main

main()
