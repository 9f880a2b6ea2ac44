package dev.ferry;
public class Main { public static void main(String[] a) {} }
