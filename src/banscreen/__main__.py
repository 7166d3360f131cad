from banscreen.cli import main

main()
